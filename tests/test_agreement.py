import math

from simulator.evaluation.agreement import accuracy, cohen_kappa, macro_f1, precision_recall, spearman


def test_spearman_perfect_inverse_and_ties():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    # hand-computed: ranks x = 1,2.5,2.5,4 ; y = 1,2,3,4 -> rho = 0.9487
    assert math.isclose(spearman([1, 2, 2, 3], [1, 2, 3, 4]), 0.9486833, rel_tol=1e-6)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_kappa_values():
    assert cohen_kappa([0, 1, 2, 0], [0, 1, 2, 0]) == 1.0
    # classic 2x2: a=20,b=5,c=10,d=15 -> po=0.7, pe=0.5 -> kappa 0.4
    a = [1] * 25 + [0] * 25
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert math.isclose(cohen_kappa(a, b), 0.4)
    # weighted: a near miss costs less than a far miss
    near = cohen_kappa([0, 1, 2, 2], [0, 1, 1, 2], weights="quadratic")
    far = cohen_kappa([0, 1, 2, 2], [0, 1, 0, 2], weights="quadratic")
    assert 0 < far < near < 1


def test_accuracy_f1_precision_recall():
    assert accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    # class 0: p=2/3 r=1 f=0.8 ; class 1: p=1 r=0.5 f=2/3 -> macro 0.7333
    assert math.isclose(macro_f1([0, 1, 1, 0], [0, 1, 0, 0]), (0.8 + 2 / 3) / 2)
    assert precision_recall([True, False, True], [True, True, False]) == (0.5, 0.5)
