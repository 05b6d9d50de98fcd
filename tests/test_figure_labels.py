"""Every figure reads on its own: each panel titled in words, each axis labelled where a reader looks for it
(the left column's y axis, the bottom row's x axis), and no code name (exact_zero, grad_norm) left as a title."""

import matplotlib.pyplot as plt
import pytest

from study.data import METRICS
from study.report import figures

CODE_NAMES = [m for m in METRICS if "_" in m]


def panels(fig):
    """The axes that draw data (colour bars and legends aside)."""
    return [
        ax
        for ax in fig.axes
        if ax.get_label() != "<colorbar>" and (ax.lines or ax.patches or ax.collections or ax.images)
    ]


@pytest.fixture(scope="module")
def drawn(smoke_study):
    out = {}
    for name, draw in figures.drawers(smoke_study).items():
        fig = draw(smoke_study)
        out[name] = [(ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), ax.get_subplotspec()) for ax in panels(fig)] + [
            ("suptitle", fig._suptitle.get_text() if fig._suptitle else "", "", None)
        ]
        plt.close(fig)
    return out


def test_every_panel_is_titled_in_words_and_its_axes_labelled(drawn):
    problems = []
    for name, axes in drawn.items():
        suptitle = axes[-1][1]
        for title, xlabel, ylabel, spec in axes[:-1]:
            if not (title or suptitle):
                problems.append(f"{name}: a panel without a title")
            if any(code in title for code in CODE_NAMES):
                problems.append(f"{name}: panel title '{title}' is a code name")
            if spec is not None and spec.is_first_col() and not ylabel:
                problems.append(f"{name}: panel '{title}' has no y label")
            if spec is not None and spec.is_last_row() and not xlabel:
                problems.append(f"{name}: panel '{title}' has no x label")
    assert not problems, "\n".join(problems)


def test_the_check_catches_an_unlabelled_panel(drawn):  # the test above can fail
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("grad_norm")
    assert panels(fig) and not ax.get_ylabel() and any(c in ax.get_title() for c in CODE_NAMES)
    plt.close(fig)
