"""skfer.utils' torch helpers: the bfloat16 probe and its override, thread counts."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from skfer.utils import (
    BFLOAT16_ENV,
    bfloat16_override,
    cpu_has_fast_bfloat16,
    intra_op_threads,
    resolve_precision,
)
from skfer.utils._torch import _cpu_flags_bfloat16


@pytest.fixture
def two_threads():
    """Two intra-op threads during the test (the suite may run with one)."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


# ------------------------------------------------------------ bfloat16 probe
@pytest.mark.parametrize("value, expected", [("0", False), ("1", True)])
def test_the_environment_forces_the_bfloat16_answer(monkeypatch, value, expected):
    monkeypatch.setenv(BFLOAT16_ENV, value)
    assert bfloat16_override() is expected
    assert cpu_has_fast_bfloat16() is expected
    auto = resolve_precision("auto", "cpu")
    assert auto == (torch.bfloat16 if expected else None)
    assert resolve_precision("bfloat16", "cpu") == torch.bfloat16  # asked: given


@pytest.mark.parametrize("value", [None, "", " "])
def test_without_the_variable_the_cpu_answers(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(BFLOAT16_ENV, raising=False)
    else:
        monkeypatch.setenv(BFLOAT16_ENV, value)
    assert bfloat16_override() is None
    assert cpu_has_fast_bfloat16() is _cpu_flags_bfloat16()


def test_a_value_the_variable_cannot_take_is_named(monkeypatch):
    monkeypatch.setenv(BFLOAT16_ENV, "off")
    with pytest.raises(ValueError, match=r"SKFER_BFLOAT16='off'.*expected 0"):
        cpu_has_fast_bfloat16()


# ------------------------------------------------------------- thread counts
def test_intra_op_threads_sets_and_restores(two_threads):
    with intra_op_threads(1):
        assert torch.get_num_threads() == 1
        with intra_op_threads(None):  # nested in the same thread: as is
            assert torch.get_num_threads() == 1
        with intra_op_threads(2):
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == two_threads


def test_overlapping_blocks_of_threads_restore_the_process_count(two_threads):
    # A thread whose first torch call comes inside another thread's block starts
    # with that block's count; its own block must still end at the process count.
    a_inside, b_inside, a_done = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        try:
            with intra_op_threads(1):
                a_inside.set()
                b_inside.wait()
        finally:
            a_inside.set()
            a_done.set()

    def b():
        a_inside.wait()
        try:
            with intra_op_threads(1):
                b_inside.set()
                a_done.wait()  # A leaves first
        finally:
            b_inside.set()
        seen["b after"] = torch.get_num_threads()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["b after"] == two_threads
    assert torch.get_num_threads() == two_threads
    with ThreadPoolExecutor(1) as pool:  # a thread started afterwards
        assert pool.submit(torch.get_num_threads).result() == two_threads


def test_a_large_prediction_in_a_new_thread_gets_the_process_count(two_threads):
    # Thread B starts using torch inside A's one-thread block: its own block
    # (n=None, a large batch) runs with the process's count, not A's.
    a_inside, b_done = threading.Event(), threading.Event()
    seen = {}

    def a():
        try:
            with intra_op_threads(1):
                a_inside.set()
                b_done.wait()
        finally:
            a_inside.set()

    def b():
        a_inside.wait()
        try:
            with intra_op_threads(None):
                seen["b inside"] = torch.get_num_threads()
        finally:
            b_done.set()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["b inside"] == two_threads
    assert torch.get_num_threads() == two_threads
