import torch

from skfer.classifier._batching import BatchIterator, Scaling


def test_scaling_in_one_step_equals_the_two_steps_and_leaves_its_input_alone():
    scaling = Scaling((0.0, 255.0), mean=0.52, std=0.25)
    x = torch.arange(0, 256, dtype=torch.float32).reshape(4, 1, 8, 8)
    before = x.clone()
    torch.testing.assert_close(
        scaling(x), scaling.standardize(scaling.to_unit(x)), rtol=1e-6, atol=1e-5
    )
    assert torch.equal(x, before)
    assert scaling(x.to(torch.uint8)).dtype == torch.float32


def test_batches_without_augmentation_are_scaled_and_channels_last():
    scaling = Scaling((0.0, 1.0), mean=0.5, std=0.5)
    images = torch.rand(5, 1, 48, 48)
    batches = [xb for xb, _ in BatchIterator(images, batch_size=2, scaling=scaling)]
    assert [len(xb) for xb in batches] == [2, 2, 1]
    torch.testing.assert_close(torch.cat(batches), (images - 0.5) / 0.5)
    assert all(xb.is_contiguous(memory_format=torch.channels_last) for xb in batches)
