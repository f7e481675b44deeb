"""Packaging beyond what pyproject.toml can say: the scenario library ships inside the package.

Scenarios are authored in scenarios/ at the top of the repository; a built wheel
carries them as simulator/scenarios/*.yaml (the package `simulator.scenarios` is
mapped onto that folder), so an installed `simulator` can play them from anywhere.
`simulator.domain.scenario.default_scenarios_dir()` finds them in both places.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=find_namespace_packages(include=["simulator", "simulator.*"]) + ["simulator.scenarios"],
    package_dir={"simulator.scenarios": "scenarios"},
    package_data={
        "simulator.scenarios": ["*.yaml"],
        # the learned tagger's weights (eval/train_tagger.py writes them)
        "simulator.engine": ["tagger_model/*.json", "tagger_model/*.npz"],
        # Alembic reads its environment and revisions from files, so an installed wheel must carry them.
        "simulator.store": ["migrations/*.py", "migrations/*.mako", "migrations/versions/*.py"],
    },
)
