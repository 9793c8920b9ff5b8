"""Scaling out: FERClassifier fits sent to a dask.distributed cluster through
joblib's Dask backend give the same results as the same fits run locally.

The cluster is a real one on this machine: a scheduler and two worker processes
(processes, not threads, so that every fit has torch to itself as on a remote
worker), started once for the module and closed in the fixture's teardown, which
also checks that no worker process is left behind.

Identical means bit-identical, provided torch uses the same number of intra-op
threads on both sides: a float sum's order depends on it, and a network trained
with 1 thread differs from one trained with 2 in the 4th decimal of its
probabilities. The workers run 1 thread each, so the local runs here do too.
"""

import contextlib
import os

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, cross_validate

from skfer import FERClassifier
from skfer.datasets import make_faces

distributed = pytest.importorskip(
    "dask.distributed",
    reason="dask.distributed is not installed: pip install 'skfer[dask]' "
    "(or dask[distributed]) to run the scaling-out tests",
)

pytestmark = pytest.mark.slow

PARAM_GRID = {"architecture": ["small", "model2"], "lr": [1e-3, 3e-3]}
WORKER_THREADS = 1


@pytest.fixture(scope="module")
def data():
    return make_faces(
        n_samples=40, classes=("happy", "sad"), random_state=0, return_X_y=True
    )


def _estimator(**params):
    return FERClassifier(
        max_epochs=1, validation_fraction=None, random_state=0, **params
    )


def _set_torch_threads(n):
    import torch

    torch.set_num_threads(n)
    return torch.get_num_threads()


@contextlib.contextmanager
def _torch_threads(n):
    """Run the local fits with as many torch threads as a worker has."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def client():
    """A Client on a local cluster of 2 single-threaded worker processes."""
    psutil = pytest.importorskip("psutil")  # a dependency of distributed
    me = psutil.Process()
    children_before = {p.pid for p in me.children(recursive=True)}
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster, timeout="60s") as client,
    ):
        client.wait_for_workers(2)  # starting them takes what it takes
        # The nanny already starts workers with OMP_NUM_THREADS=1; set torch's
        # count explicitly so that the test does not depend on dask's configuration.
        client.run(_set_torch_threads, WORKER_THREADS)
        yield client
    # Closing the cluster stops its workers (one slow to exit is killed after a few
    # seconds); none may outlive the fixture. multiprocessing's resource tracker,
    # started with the first spawned process, lives until this process exits.
    leftovers = [
        p
        for p in me.children(recursive=True)
        if p.pid not in children_before
        and not any("resource_tracker" in part for part in _cmdline(p))
    ]
    # A leak check needs a bound; the cluster kills a worker slow to exit after a
    # few seconds, so minutes can only run out on a worker that never exits.
    _, alive = psutil.wait_procs(leftovers, timeout=300)
    assert not alive, f"processes left running after the cluster closed: {alive}"


def _cmdline(process):
    try:
        return process.cmdline()
    except Exception:  # gone meanwhile, or not ours to read
        return []


def test_workers_are_separate_single_threaded_processes(client):
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 2
    assert os.getpid() not in pids.values()
    assert set(client.run(torch.get_num_threads).values()) == {WORKER_THREADS}


def test_grid_search_on_dask_matches_local_run(client, data):
    X, y = data

    def search(n_jobs):
        return GridSearchCV(_estimator(), PARAM_GRID, cv=2, n_jobs=n_jobs)

    with _torch_threads(WORKER_THREADS):
        local = search(n_jobs=None).fit(X, y)  # sequential, in this process
        remote = search(n_jobs=-1)  # under the dask backend: all the cluster's threads
        with distributed.get_task_stream(client) as tasks:
            with joblib.parallel_backend("dask"):
                remote.fit(X, y)

    # The 4 candidates x 2 folds were fitted on the cluster, on both workers.
    assert len(tasks.data) > 0
    assert {task["worker"] for task in tasks.data} == set(
        client.scheduler_info()["workers"]
    )

    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    np.testing.assert_array_equal(
        remote.cv_results_["rank_test_score"], local.cv_results_["rank_test_score"]
    )
    assert remote.best_params_ == local.best_params_
    # GridSearchCV refits best_estimator_ in this process in both runs: the same
    # model, trained the same way.
    np.testing.assert_array_equal(
        remote.best_estimator_.predict_proba(X), local.best_estimator_.predict_proba(X)
    )


def test_models_fitted_on_workers_equal_local_ones(client, data):
    # cross_validate(return_estimator=True) brings the fitted networks back from the
    # workers: trained in another process and pickled back, they predict exactly as
    # the ones trained here.
    X, y = data
    est = _estimator(architecture="small")
    with _torch_threads(WORKER_THREADS):
        local = cross_validate(est, X, y, cv=2, return_estimator=True)
        with joblib.parallel_backend("dask"):
            remote = cross_validate(est, X, y, cv=2, return_estimator=True, n_jobs=-1)

    np.testing.assert_array_equal(remote["test_score"], local["test_score"])
    for est_remote, est_local in zip(remote["estimator"], local["estimator"]):
        np.testing.assert_array_equal(
            est_remote.predict_proba(X), est_local.predict_proba(X)
        )
