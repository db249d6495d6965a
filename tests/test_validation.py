"""resolve_device: 'auto', $GRAPHREC_DEVICE and a clear error for CUDA without a GPU."""

import pytest
import torch

from graphrec._validation import resolve_device


@pytest.fixture
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("GRAPHREC_DEVICE", raising=False)


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:1"])
def test_explicit_cuda_without_gpu_is_a_clear_error(no_cuda: None, device: str) -> None:
    with pytest.raises(ValueError) as err:
        resolve_device(device)
    message = str(err.value)
    assert f"device={device!r} asks for a CUDA device but none is available" in message
    assert torch.__version__ in message and "use device='auto' or 'cpu'" in message


def test_env_cuda_without_gpu_is_a_clear_error(
    no_cuda: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHREC_DEVICE", "cuda")
    with pytest.raises(ValueError, match=r"\$GRAPHREC_DEVICE='cuda' asks for a CUDA device"):
        resolve_device("auto")
    with pytest.raises(ValueError, match="unset it or set it to 'auto' or 'cpu'"):
        resolve_device(None)
    assert resolve_device("cpu") == "cpu"  # an explicit argument wins over the variable


def test_auto_and_cpu(no_cuda: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_device("auto") == "cpu"
    assert resolve_device(None) == "cpu"
    assert resolve_device("cpu") == "cpu"
    monkeypatch.setenv("GRAPHREC_DEVICE", "auto")
    assert resolve_device("auto") == "cpu"
    monkeypatch.setenv("GRAPHREC_DEVICE", "cpu")
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv("GRAPHREC_DEVICE")
    assert resolve_device("auto") == "cuda"


def test_cuda_index_out_of_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda") == "cuda"
    assert resolve_device("cuda:0") == "cuda:0"
    with pytest.raises(ValueError, match=r"device='cuda:2': no such CUDA device; 1 visible"):
        resolve_device("cuda:2")
