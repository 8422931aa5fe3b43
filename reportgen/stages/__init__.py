"""The build, one module per stage: plan → gather → render → layout → write.

``reportgen.build.build`` runs them in order; a long-lived process (a server that rebuilds
on change) can keep what ``gather`` returned and run only ``render`` and ``layout`` again.
Importing this package imports none of the stages: ``plan`` must stay light, because a
build with nothing to do ends there.
"""

__all__: list[str] = []
