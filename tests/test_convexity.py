"""Tests of course_lib.convexity against closed forms, scipy and finite differences."""
import numpy as np
import pytest
from scipy import integrate, linalg

from course_lib import convexity as cv
from course_lib import problems as pr
from course_lib import rates
from course_lib.loop import run
from course_lib.optimizers import gradient_descent


def sq(z):
    return float(np.sum(np.asarray(z) ** 2))


# --------------------------------------------------------------------------- three tests
def test_chord_gaps_closed_form_for_squared_norm():
    # a f(x) + (1-a) f(y) - f(a x + (1-a) y) = a (1 - a) ||x - y||^2 for f = ||.||^2
    x, y = np.array([1.0, -2.0, 0.5]), np.array([-0.3, 4.0, 2.0])
    a = np.linspace(0, 1, 11)
    np.testing.assert_allclose(cv.chord_gaps(sq, x, y, a), a * (1 - a) * sq(x - y),
                               rtol=1e-12, atol=1e-12)


def test_chord_gap_negative_for_tilted_double_well():
    f = pr.TiltedDoubleWell()
    # f(0) = 0 > (f(-0.5) + f(0.5)) / 2 = 0.0625 - 1: the chord lies below the graph
    gap = cv.chord_gaps(f.value, 0.5, -0.5, [0.5])[0]
    assert np.isclose(gap, 0.5 ** 4 - 4 * 0.25, rtol=1e-12)
    assert gap < 0


def test_tangent_gap_is_quadratic_form():
    q = pr.Quadratic([[3.0, 1.0], [1.0, 2.0]], [1.0, 0.0])
    x, y = np.array([0.3, -1.0]), np.array([2.0, 0.5])
    d = y - x
    assert np.isclose(cv.tangent_gap(q.value, q.grad, x, y), 0.5 * d @ q.A @ d, rtol=1e-12)


def test_hessian_eigenvalues_match_finite_differences():
    r = pr.Rosenbrock()
    x = np.array([-0.7, 0.9])
    h = 1e-6
    H = np.array([(r.grad(x + h * e) - r.grad(x - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(cv.hessian_eigenvalues(r.hessian, x),
                               np.linalg.eigvalsh((H + H.T) / 2), rtol=1e-6)


def test_jensen_gap_is_variance_for_square():
    rng = np.random.default_rng(1)
    X = rng.standard_normal(50)
    assert np.isclose(cv.jensen_gap(sq, X), X.var(), rtol=1e-12)
    w = rng.dirichlet(np.ones(50))
    assert np.isclose(cv.jensen_gap(sq, X, w), w @ X**2 - (w @ X) ** 2, rtol=1e-10)


def test_convexity_checks_verdicts():
    tdw = cv.convexity_checks(pr.TiltedDoubleWell(), n_chords=300)
    assert tdw.violation_found and tdw.verdict == "not convex"
    # f'' = 12 x^2 - 8 on [-2.5, 2.5]: in [-8, 67]; samples lie inside
    assert -8.0 <= tdw.min_eigenvalue < -7.0 and tdw.max_eigenvalue <= 67.0
    x, y, a = tdw.chord_points
    assert cv.chord_gaps(pr.TiltedDoubleWell().value, x, y, [a])[0] == tdw.min_chord_gap < 0
    for p in (pr.LinearRegression(), pr.LogisticRegression(l2=0.1), pr.Quadratic(np.eye(3))):
        rep = cv.convexity_checks(p, bounds=[(-3, 3)] * p.dim, n_chords=100)
        assert not rep.violation_found and rep.min_eigenvalue >= 0


def test_convexity_checks_bad_input():
    with pytest.raises(ValueError, match="'n_chords' parameter of convexity_checks"):
        cv.convexity_checks(pr.Saddle(), n_chords=0)
    with pytest.raises(ValueError, match="'bounds' parameter of convexity_checks"):
        cv.convexity_checks(pr.Saddle(), bounds=[(1, 0), (0, 1)])
    with pytest.raises(ValueError, match="'alphas' parameter of chord_gaps"):
        cv.chord_gaps(sq, [0.0], [1.0], [1.5])


# --------------------------------------------------------------------------- constants
def test_curvature_constants_against_scipy():
    rng = np.random.default_rng(2)
    M = rng.standard_normal((5, 5))
    A = M + M.T
    mu, L = cv.curvature_constants(A)
    assert np.isclose(mu, linalg.eigh(A, eigvals_only=True)[0], rtol=1e-12)
    assert np.isclose(L, np.linalg.norm(A, 2), rtol=1e-12)   # spectral norm, not lambda_max
    with pytest.raises(ValueError, match="'A' parameter of curvature_constants"):
        cv.curvature_constants([[1.0, 2.0], [0.0, 1.0]])


def test_constants_of_linear_regression_hessian_and_secants():
    p = pr.LinearRegression(n_samples=60, n_features=4, seed=3)
    rng = np.random.default_rng(0)
    mu, L = cv.hessian_constants(p, rng.standard_normal((3, 4)))
    # the closed form: extreme eigenvalues of X^T X / n, by scipy
    ev = linalg.eigh(p.X.T @ p.X / p.n_samples, eigvals_only=True)
    assert np.isclose(mu, ev[0], rtol=1e-10) and np.isclose(L, ev[-1], rtol=1e-10)
    X, Y = rng.standard_normal((200, 4)), rng.standard_normal((200, 4))
    mu_s, L_s = cv.secant_constants(p.grad, X, Y)
    assert ev[0] * (1 - 1e-10) <= mu_s and L_s <= ev[-1] * (1 + 1e-10)


def test_secant_constants_of_logistic_regression_respect_bounds():
    p = pr.LogisticRegression(n_samples=80, n_features=3, l2=0.05, seed=1)
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((100, 3)), rng.standard_normal((100, 3))
    mu_s, L_s = cv.secant_constants(p.grad, X, Y)
    assert p.mu - 1e-12 <= mu_s and L_s <= p.L + 1e-12


def test_secant_constants_bad_input():
    with pytest.raises(ValueError, match="must differ in every row"):
        cv.secant_constants(lambda z: z, [[1.0]], [[1.0]])


# --------------------------------------------------------------------------- critical points
@pytest.mark.parametrize("eigs, kind", [
    ([1.0, 2.0, 3.0], "minimum"), ([-1.0, -0.5], "maximum"), ([2.0, -1e-3, 4.0], "saddle"),
    ([0.0, 1.0], "degenerate"), ([0.0, -1.0], "degenerate"), ([0.0, -1.0, 1.0], "saddle"),
    ([1e-12, 1.0], "degenerate"), ([0.0], "degenerate")])
def test_classify_hessian_rotated(eigs, kind):
    Q = linalg.qr(np.random.default_rng(len(eigs)).standard_normal((len(eigs),) * 2))[0]
    assert cv.classify_hessian(Q @ np.diag(eigs) @ Q.T) == kind


def test_classify_hessian_bad_input():
    with pytest.raises(ValueError, match="'H' parameter of classify_hessian"):
        cv.classify_hessian(np.ones((2, 3)))


def test_himmelblau_critical_points():
    h = pr.Himmelblau()
    g = np.linspace(-5, 5, 9)
    pts = cv.critical_points(h, np.array(np.meshgrid(g, g)).reshape(2, -1).T)
    kinds = [cv.classify_hessian(h.hessian(p)) for p in pts]
    assert len(pts) == 9
    assert sorted(kinds) == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    mins = pts[[k == "minimum" for k in kinds]]
    for m in h.minimizers:       # the four known minimizers (f = 0)
        assert np.min(np.linalg.norm(mins - m, axis=1)) < 1e-8
    # the maximum is near (-0.27, -0.92), f = 181.6 (Himmelblau 1972)
    top = pts[kinds.index("maximum")]
    assert np.allclose(top, [-0.270845, -0.923039], atol=1e-5)


def test_goe_2x2_constant_by_quadrature():
    # P(a, c > 0 and a c > b^2), a, c ~ N(0, 2), b ~ N(0, 1) (the GOE entries)
    def inner(a):
        # P(c > b^2 / a) integrated over b
        return integrate.quad(lambda b: np.exp(-b * b / 2) / np.sqrt(2 * np.pi)
                              * 0.5 * (1 - __import__("math").erf(b * b / a / 2)),
                              -np.inf, np.inf)[0]
    p = integrate.quad(lambda a: np.exp(-a * a / 4) / np.sqrt(4 * np.pi) * inner(a),
                       0, np.inf)[0]
    assert np.isclose(p, cv.GOE_2X2_MINIMUM_PROBABILITY, rtol=1e-7)


def test_fraction_minima_against_exact_values():
    for d in (1, 2, 3, 5):
        p, se = cv.fraction_minima(d, 20000, "independent", seed=d)
        assert abs(p - 0.5 ** d) < 4 * se
    p, se = cv.fraction_minima(2, 20000, "goe", seed=7)
    assert abs(p - cv.GOE_2X2_MINIMUM_PROBABILITY) < 4 * se
    H = cv.random_hessians(3, 2000, "goe", seed=0)
    assert np.allclose(H, np.swapaxes(H, 1, 2))
    # GOE entry variances: diagonal 2, off-diagonal 1
    assert abs(H[:, 0, 0].var() - 2) < 0.2 and abs(H[:, 0, 1].var() - 1) < 0.1
    with pytest.raises(ValueError, match="'ensemble' parameter of random_hessians"):
        cv.random_hessians(2, 3, "gue")


# --------------------------------------------------------------------------- saddles
def test_escape_time_without_noise_is_exact():
    q = pr.Quadratic(np.diag([1.0, -0.3]), allow_indefinite=True)
    for delta in (1e-2, 1e-5, 1e-9):
        t = cv.escape_time(q, [0.0, delta], 0.2, 10_000, radius=1.0)
        # brute force: y_t = delta * 1.06^t
        t_brute = next(k for k in range(10_000) if delta * 1.06 ** k > 1.0)
        assert t == t_brute == cv.predicted_escape_time(0.3, 0.2, 1.0, start=delta)[0]
    # on the stable manifold it converges to the saddle and never leaves
    assert cv.escape_time(q, [0.5, 0.0], 0.2, 3000, radius=1.0) is None


def test_noisy_escape_time_mean_matches_formula():
    gamma, lr, noise = 0.4, 0.5, 1e-3
    q = pr.Quadratic(np.diag([1.0, -gamma]), allow_indefinite=True)
    T = np.array([cv.escape_time(q, [0.0, 0.0], lr, 5000, 1.0, noise=noise, seed=s)
                  for s in range(200)], dtype=float)
    mean, sd = cv.predicted_escape_time(gamma, lr, 1.0, noise=noise)
    se = T.std(ddof=1) / np.sqrt(len(T))
    assert abs(T.mean() - mean) < 4 * se
    assert 0.8 < T.std(ddof=1) / sd < 1.2    # sd of ln|Z| / ln q, sampled with 200 seeds


def test_noisy_gradient_statistics():
    ng = cv.NoisyGradient(pr.Saddle(), noise=0.5, seed=0)
    G = np.array([ng.grad([1.0, 2.0]) for _ in range(4000)])
    assert np.allclose(G.mean(0), [1.0, -2.0], atol=4 * 0.5 / np.sqrt(4000))
    assert np.allclose(G.var(0), 0.25, rtol=0.1)
    with pytest.raises(ValueError, match="'noise' parameter of NoisyGradient"):
        cv.NoisyGradient(pr.Saddle(), noise=-1.0)


# --------------------------------------------------------------------------- PL
def test_pl_example_derivatives_and_constant():
    p = cv.PLExample()
    xs = np.linspace(-10, 10, 4001)
    h = 1e-6
    for x in xs[::400]:
        assert np.isclose(p.grad([x])[0], (p.value([x + h]) - p.value([x - h])) / (2 * h),
                          rtol=1e-6, atol=1e-6)
    mu = cv.pl_constant(p, xs[:, None])
    assert mu >= p.mu_pl                     # Karimi et al.'s constant 1/32 is valid
    ev = np.array([p.hessian([x])[0, 0] for x in xs])
    assert ev.min() < 0 and np.isclose(ev.max(), p.L) and np.isclose(ev.min(), -4.0, atol=1e-4)


def test_gd_on_pl_example_converges_linearly_within_bound():
    p = cv.PLExample()
    lr = 1.0 / 16
    res = run(gradient_descent(lr), p, [3.0], 200)
    gaps = np.asarray(res.losses)
    bound = rates.strongly_convex_value_bound(p.mu_pl, p.L, np.arange(len(gaps)), gaps[0],
                                              lr=lr)
    assert np.all(gaps <= bound * (1 + 1e-12))
    # near x* = 0, f'' = 8: the error contracts by |1 - 8 lr| = 1/2, the gap by 1/4
    assert np.isclose(rates.measured_rate(gaps, start=100, stop=150), 0.25, rtol=1e-3)


def test_pl_constant_bad_input():
    with pytest.raises(ValueError, match="'f_star' parameter of pl_constant"):
        cv.pl_constant(pr.Saddle(), [[1.0, 0.0]])


# --------------------------------------------------------------------------- the graders' tables
def test_classify_exercise_table_agrees_with_library():
    from course_lib.grading.checks import ex02_classify as ex
    for k, eigs in enumerate(ex.ROTATED + ex.ZEROS + ex.ROUNDING):
        assert cv.classify_hessian(ex.rotated(eigs, k)) == ex.kind_of(eigs), eigs
    # the edges are reached: every kind occurs, and rounding decides some cases
    kinds = {ex.kind_of(e) for e in ex.ROTATED + ex.ZEROS + ex.ROUNDING}
    assert kinds == {"minimum", "maximum", "saddle", "degenerate"}


def test_chords_exercise_closed_form_agrees_with_library():
    from course_lib.grading.checks import ex02_chords as ex
    for spec, x, y in ex.QUADRATICS:
        np.testing.assert_allclose(ex.closed_form(spec, x, y, ex.ALPHAS),
                                   ex.library_reference(spec, x, y, ex.ALPHAS),
                                   rtol=1e-10, atol=1e-12)
    # some non-convex cases have negative gaps (the point of the exercise)
    assert any(np.min(ex.library_reference(s, x, y, ex.ALPHAS)) < 0 for s, x, y in ex.NONCONVEX)


def test_constants_exercise_reference_agrees_with_library():
    from course_lib.grading.checks import ex02_constants as ex
    for case in ex.SPD + ex.INDEFINITE:
        np.testing.assert_allclose(ex.reference(case.args[0]),
                                   cv.curvature_constants(case.args[0]), rtol=1e-10, atol=1e-14)


def test_saddle_explorer_driven_from_code(capsys):
    from course_lib.saddle_widgets import saddle_explorer
    box = saddle_explorer(curvature=0.4, seeds=30)
    box.curvature.value = 0.1
    measured, predicted, se = box.result
    assert predicted == cv.predicted_escape_time(0.1, 0.5, 1.0, noise=1e-3)[0]
    assert abs(measured - predicted) < 4 * se
    assert "negative curvature 0.10" in capsys.readouterr().out
    with pytest.raises(ValueError, match="'curvature' parameter of saddle_explorer"):
        saddle_explorer(curvature=5.0)
