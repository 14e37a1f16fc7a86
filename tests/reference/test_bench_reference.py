"""bench/reference.py's careful training step (--careful: G under torch.no_grad() in the D step, D's weights
frozen in the G step, gradients set to None) does the same training as its usual step, only less work: from
the same seed, both give bitwise the same weights, optimizer state and BatchNorm statistics after a few
iterations. The speed-up BENCHMARKS.md reports is against the faster of the two, so they must not differ in
what they compute.

Run by CTest as Reference.bench with Debian's python3."""
import os
import sys
import unittest

import torch

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "bench"))
import reference  # noqa: E402


def state(case):
    """Every tensor the iterations change: weights, buffers (BatchNorm's running statistics), Adam's moments."""
    out = {}
    for side, net, opt in (("g", case.g, case.opt_g), ("d", case.d, case.opt_d)):
        for k, v in net.state_dict().items():
            out[f"{side}.{k}"] = v.clone()
        for i, s in enumerate(opt.state.values()):
            for k, v in s.items():
                out[f"{side}.adam{i}.{k}"] = v.clone() if torch.is_tensor(v) else torch.tensor(v)
    return out


class CarefulStep(unittest.TestCase):
    def check(self, name, iterations):
        got = {}
        for careful in (False, True):
            case = reference.make_case(name, careful)  # seeds torch with 0 before building
            torch.manual_seed(1)
            for _ in range(iterations):
                case()
            got[careful] = state(case)
            if careful:  # the G step gives D its weights back
                self.assertTrue(all(p.requires_grad for p in case.d.parameters()))
        usual, careful = got[False], got[True]
        self.assertEqual(usual.keys(), careful.keys())
        start = state(reference.make_case(name))
        moved = [k for k in usual if "adam" not in k and not torch.equal(usual[k], start[k])]
        self.assertTrue(any(k.startswith("g.") for k in moved) and any(k.startswith("d.") for k in moved),
                        f"{name}: both networks must have trained")
        for k in usual:
            self.assertTrue(torch.equal(usual[k], careful[k]), f"{name}: {k} differs")

    def test_mlp(self):
        self.check("mlp", 3)

    def test_dcgan_with_batchnorm(self):
        self.check("dcgan64", 2)

    def test_wgangp(self):
        self.check("wgangp", 1)


if __name__ == "__main__":
    torch.set_num_threads(1)
    unittest.main()
