"""``skfer export``: a trained model as an ONNX file, to run without torch."""

from pathlib import Path

from ._common import load_model, note, writing

NAME = "export"
HELP = "write a model as an ONNX file"

DESCRIPTION = """\
Write a model as an ONNX file: the network in float32 with its pixel scaling and
a softmax inside, a dynamic batch, and the class names and skfer's metadata in
the file. Its input is float32 images of shape (n, 48, 48) in the training units
(0-255 for the shipped models), its output the probabilities (n, classes).
Run it with skfer.onnx.ONNXClassifier (numpy, onnxruntime and Pillow; no torch),
`skfer predict --model OUT.onnx`, or any ONNX runtime. Test-time augmentation is
not in the graph, nor a class prior: ONNXClassifier(tta=..., class_prior=...)
applies them, and `skfer predict` the ones the file records.
Needs torch and the onnx package (skfer's export extra, or pip install onnx
beside the torch extra)."""


def add_arguments(p):
    """The options of ``skfer export``."""
    p.add_argument(
        "model",
        metavar="MODEL",
        help="a name of skfer.list_pretrained(), a .safetensors file or the output "
        "folder of `skfer train`",
    )
    p.add_argument(
        "output", type=Path, metavar="OUT.onnx", help="the ONNX file to write"
    )


def run(args):
    clf, name = load_model(args.model, precision="float32")
    with writing(args.output):  # a full disk names the file
        out = clf.to_onnx(args.output)
    classes = ", ".join(str(c) for c in clf.classes_.tolist())
    note(f"{name} ({clf.architecture_}; {classes}) written to {out}")
    settings = {"tta": clf.tta, "class_prior": clf.class_prior}
    shown = ", ".join(f"{k}={v!r}" for k, v in settings.items() if v is not None)
    if shown:
        note(
            f"its accuracy was measured with {shown}: the file records them, and "
            f"`skfer predict --model {out}` applies them; in Python, "
            f"ONNXClassifier(path, {shown})."
        )
    return 0
