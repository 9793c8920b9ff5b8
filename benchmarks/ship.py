"""Ship a trained model: copy its weights into ``skfer/weights/`` and register them.

The one maintainer step that writes into the package. The benchmarks train and
evaluate into the cache and the results files; choosing the model that ships
(on validation data, never on a test split) and shipping it is done here, once,
by hand::

    python benchmarks/ship.py model3-seed1 --from fer2013 \
        --chosen-on "the validation part of benchmarks/photos.py"
    python benchmarks/ship.py ferplus-model3-crossentropy --from ferplus
    python benchmarks/ship.py fer2013-model3 --from ferplus --facts
    python benchmarks/ship.py model3-seed2 --from fer2013 --name fer2013-model3-seed2
    python benchmarks/ship.py model2 --from fer2013 --dry-run   # checks, writes nothing
    python benchmarks/ship.py vote-fer2013-model3-ferplus-model3-uniform-prior \
        --from ferplus --default --chosen-on "the validation part of photos.py"

``ROW`` is a single-model row of ``benchmarks/results/<source>.json`` whose
weights are on this machine. Its weights become ``skfer/weights/<name>.safetensors``
(``fer2013-<architecture>`` or ``ferplus-<architecture>``; a vote of shipped
networks, ``ferplus.py --vote``: its members' sources, ``fer2013-ferplus-vote``)
and ``skfer/weights/registry.json`` records their checksum, classes, recipe,
prediction settings (the TTA chosen on validation data, and the class prior the
row was evaluated with), accuracies, command and machine. ``--default`` makes it
the model ``skfer predict`` uses when none is named. The row shipped so far
under that name keeps its weights: they are moved to ``$SKFER_CACHE/weights``
first, and the rows and the results page are updated to say where each file
now is. ``--dry-run`` checks ROW and says what would be written, writing nothing
(``benchmarks/quick.py`` runs it).
"""

import argparse
import shutil
import sys
from pathlib import Path

from skfer.datasets import get_cache_home
from skfer.utils import atomic_file, sha256_file
from skfer.weights import read_weights_meta

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CHECKOUT,
    RESULTS,
    read_json,
    shown_path,
    weights_path,
    write_json,
)

WEIGHTS_DIR = CHECKOUT / "skfer" / "weights"
SOURCES = ("fer2013", "ferplus")
#: Weights files larger than this stay in the cache (Model 1's are 80 MB).
MAX_SHIPPED_MB = 20


def _fer2013_facts(row):
    """What the registry says of a FER2013 run: training data and accuracies."""
    dataset = "FER2013 Training (28,709 images); epoch chosen on PublicTest"
    teacher = row.get("params", {}).get("teacher")
    if teacher:
        dataset += (
            "; distilled from the PublicTest-weighted ensemble of "
            f"{', '.join(teacher['members'])}"
        )
    accuracies = {
        "private_test_accuracy": row["private_test_accuracy"],
        "public_test_accuracy": row["public_test_accuracy"],
    }
    return dataset, accuracies


def _ferplus_facts(row):
    """What the registry says of a FER+ run: training data and accuracies.

    Its accuracies are on FER+'s majority labels, recorded under their own keys:
    they do not compete with FER2013's for ``skfer predict``'s default model.
    """
    if row.get("trained_on") != "FER+ Training":
        raise SystemExit(
            f"ROW: trained on {row.get('trained_on')!r}, not on FER+ Training: "
            "only rows trained by ferplus.py ship from ferplus.json"
        )
    mode = row.get("mode", "majority")
    labels = (
        "majority labels" if mode == "majority" else f"vote distributions, {mode} mode"
    )
    dataset = (
        f"FER+ Training (FER2013Train with FER+'s ten votes per face; {labels}; "
        "contempt counted as disgust); epoch and TTA chosen on FER2013Valid "
        "(PublicTest) with FER+ majority labels"
    )
    return dataset, _ferplus_accuracies(row)


#: The accuracies of a ``ferplus.json`` row the registry keeps: FER+ test and
#: valid (majority labels), FER2013 PrivateTest (its own labels).
FERPLUS_FACTS = (
    "ferplus_test_accuracy",
    "ferplus_valid_accuracy",
    "fer2013_private_test_accuracy",
)


def _ferplus_accuracies(row):
    """The :data:`FERPLUS_FACTS` that ``row`` has."""
    return {key: row[key] for key in FERPLUS_FACTS if key in row}


def _vote_facts(row):
    """What the registry says of a vote of shipped networks (``ferplus.py
    --vote``): its members' training data, and its accuracies on FER+ and on
    FER2013's own labels."""
    # lazy: torch (skfer.weights) is loaded by the rows that ship, not by --help
    from skfer import list_pretrained

    entries = {entry["name"]: entry for entry in list_pretrained()}
    described = [
        f"{m} ({entries[m]['dataset']})" if m in entries else m for m in row["members"]
    ]
    dataset = (
        "the soft vote, equal weights, of "
        + "; and ".join(described)
        + "; TTA chosen on FER2013Valid (PublicTest) with FER+ majority labels"
    )
    return dataset, _ferplus_accuracies(row)


def _facts(source, row):
    """The registry's dataset text and accuracies for ``row`` of ``source``."""
    if row.get("members"):
        return _vote_facts(row)
    return FACTS[source](row)


def predict_params(row):
    """The prediction settings the row's accuracies were measured with."""
    params = {"tta": row.get("tta", row.get("params", {}).get("tta"))}
    if row.get("class_prior"):
        params["class_prior"] = row["class_prior"]
    return params


def default_name(source, row, meta):
    """``<source>-<architecture>``, or for a vote its members' sources and
    ``vote`` (``fer2013-ferplus-vote``)."""
    if row.get("members"):
        return "-".join(m.split("-")[0] for m in row["members"]) + "-vote"
    return f"{source}-{meta['architecture']}"


FACTS = {"fer2013": _fer2013_facts, "ferplus": _ferplus_facts}


def register(path, name, meta, row, source, weights_dir, chosen_on=None):
    """Record the shipped weights file ``path`` as ``name`` in the registry."""
    registry_path = Path(weights_dir) / "registry.json"
    registry = read_json(registry_path) or {"weights": {}}
    dataset, accuracies = _facts(source, row)
    if chosen_on and row.get("members"):
        dataset += f"; chosen on {chosen_on}"
    elif chosen_on:
        dataset += f"; chosen among the {source.upper()} runs on {chosen_on}"
    params = row.get("params", {})
    registry["weights"][name] = {
        "file": path.name,
        "sha256": sha256_file(path),
        "architecture": meta["architecture"],
        "classes": list(meta["classes"]),
        "dataset": dataset,
        "command": row["command"],
        **({"members": row["members"]} if row.get("members") else {"recipe": params}),
        # how the accuracies were measured; load_pretrained applies these
        "predict_params": predict_params(row),
        **accuracies,
        "trained_on": row["hardware"],
        "date": row["date"],
    }
    write_json(registry_path, registry)


def make_default(name, chosen_on, weights_dir=WEIGHTS_DIR):
    """Make the registered ``name`` the model used when none is named."""
    registry_path = Path(weights_dir) / "registry.json"
    registry = read_json(registry_path)
    if name not in registry.get("weights", {}):
        raise SystemExit(f"--default: {name!r} is not a registered model")
    registry["default"] = {"name": name, "chosen_on": chosen_on}
    write_json(registry_path, registry)


def _keep_in_cache(target, rows, key, source):
    """Copy the weights shipped so far at ``target`` to the cache, for the rows
    (other than ``key``) that point at them: ``<source>-<row>.safetensors``."""
    for other, other_row in rows.items():
        if other != key and other_row.get("weights") == shown_path(target):
            kept = Path(get_cache_home()) / "weights" / f"{source}-{other}.safetensors"
            kept.parent.mkdir(parents=True, exist_ok=True)
            with atomic_file(kept) as tmp:
                shutil.copyfile(target, tmp)
            other_row["weights"] = shown_path(kept)


def ship(
    key,
    results,
    source="fer2013",
    weights_dir=WEIGHTS_DIR,
    chosen_on=None,
    dry_run=False,
    name=None,
):
    """Make the results row ``key`` the shipped ``<source>-<architecture>`` model
    (or ``name``, which must start with ``<source>-<architecture>``: a second
    model of that architecture beside the shipped one).

    Copies its weights into ``weights_dir``, registers them and points the row at
    the shipped file; returns the shipped file's path (``dry_run``: only checks
    the row and returns the path it would ship to).
    """
    rows = results.get("models", {})
    row = rows.get(key)
    if row is None or not isinstance(row.get("weights"), str):
        raise SystemExit(f"ROW: no single-model row {key!r} in {source}.json")
    _facts(source, row)  # refuses a row that cannot ship
    source_file = weights_path(row["weights"])
    if not source_file.is_file():
        raise SystemExit(f"ROW {key!r}: its weights {row['weights']} are not here")
    if source_file.stat().st_size > MAX_SHIPPED_MB * 2**20:
        raise SystemExit(
            f"ROW {key!r}: {source_file.stat().st_size / 2**20:.0f} MB of weights "
            f"(at most {MAX_SHIPPED_MB} MB ship); they stay in the cache"
        )
    meta = read_weights_meta(source_file)
    default = default_name(source, row, meta)
    if name is None:
        name = default
    elif not (name == default or name.startswith(f"{default}-")):
        raise SystemExit(f"--name: {name!r} must start with {default!r}")
    target = Path(weights_dir) / f"{name}.safetensors"
    if dry_run:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _keep_in_cache(target, rows, key, source)
    with atomic_file(target) as tmp:
        shutil.copyfile(source_file, tmp)
    register(target, name, meta, row, source, weights_dir, chosen_on)
    row["weights"] = shown_path(target)
    return target


#: The accuracies of another benchmark's evaluation that the registry keeps.
EVALUATION_FACTS = {
    "ferplus": ("ferplus_test_accuracy", "ferplus_valid_accuracy"),
    "fer2013": ("private_test_accuracy", "public_test_accuracy"),
}


def add_facts(name, results, source, weights_dir=WEIGHTS_DIR):
    """Copy ``source``'s evaluation of the registered model ``name`` into its
    registry entry; returns the facts added. Refuses an evaluation older than
    the registered weights (it read other tensors)."""
    registry_path = Path(weights_dir) / "registry.json"
    registry = read_json(registry_path) or {"weights": {}}
    entry = registry["weights"].get(name)
    row = results.get("models", {}).get(name)
    if entry is None:
        raise SystemExit(f"ROW: {name!r} is not a registered model")
    if row is None or row.get("weights") != name:
        raise SystemExit(f"ROW: {source}.json has no evaluation of registered {name!r}")
    if row["date"] < entry["date"]:
        raise SystemExit(
            f"ROW {name!r}: evaluated {row['date']}, before its weights were "
            f"registered ({entry['date']}): evaluate them again"
        )
    shipped = entry.get("predict_params", {})
    for key in ("tta", "class_prior"):
        if row.get(key) != shipped.get(key):
            raise SystemExit(
                f"ROW {name!r}: evaluated with {key} {row.get(key)!r}, but "
                f"load_pretrained predicts with {shipped.get(key)!r}: its figures "
                "would not be what users get"
            )
    facts = {k: row[k] for k in EVALUATION_FACTS[source] if k in row}
    entry.update(facts, **{f"{source}_evaluation": row["command"]})
    write_json(registry_path, registry)
    return facts


def _write_page(source, results, folder):
    if source == "fer2013":
        # lazy: each source loads only its own page writer
        from _fer2013_tables import write_markdown
    else:
        # lazy: ferplus.py, a whole script, loads only for a FER+ row
        from ferplus import write_markdown
    write_markdown(results, Path(folder) / f"{source}.md")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("row", metavar="ROW", help="the results row to ship")
    parser.add_argument(
        "--from",
        dest="source",
        choices=SOURCES,
        required=True,
        help="the benchmark whose results hold ROW",
    )
    parser.add_argument(
        "--chosen-on",
        metavar="TEXT",
        help="the validation data ROW was chosen on, for the registry (e.g. 'the "
        "validation part of benchmarks/photos.py')",
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--weights-dir", type=Path, default=WEIGHTS_DIR)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check ROW and say what would be shipped; write nothing",
    )
    parser.add_argument(
        "--name",
        help="register ROW under this name (<source>-<architecture>-..., e.g. "
        "fer2013-model3-seed2) beside the shipped <source>-<architecture>",
    )
    parser.add_argument(
        "--default",
        action="store_true",
        help="also make it the default model (skfer predict, analyze); needs "
        "--chosen-on, the validation data it was chosen on",
    )
    parser.add_argument(
        "--facts",
        action="store_true",
        help="ship nothing: add the --from benchmark's evaluation of the "
        "registered model ROW to its registry entry",
    )
    args = parser.parse_args(argv)
    if args.default and not args.chosen_on:
        parser.error("--default needs --chosen-on")
    json_path = args.results / f"{args.source}.json"
    results = read_json(json_path)
    if not results.get("models"):
        raise SystemExit(f"no results in {json_path}")
    if args.facts:
        facts = add_facts(args.row, results, args.source, args.weights_dir)
        print(f"registered {args.row}: {facts}")
        return 0
    shipped = ship(
        args.row,
        results,
        args.source,
        args.weights_dir,
        args.chosen_on,
        dry_run=args.dry_run,
        name=args.name,
    )
    if args.dry_run:
        print(
            f"dry run: {args.row} ({results['models'][args.row]['weights']}) would "
            f"ship as {shown_path(shipped)}, registered in "
            f"{shown_path(Path(args.weights_dir) / 'registry.json')}; nothing written"
        )
        return 0
    write_json(json_path, results)
    _write_page(args.source, results, args.results)
    if args.default:
        make_default(shipped.stem, args.chosen_on, args.weights_dir)
    print(
        f"shipped: {shown_path(shipped)}" + (" (the default)" if args.default else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
