"""Every exercise of the catalog, one module per topic. Importing this package registers them all."""
from . import (  # noqa: F401  (the catalog's order)
    activation,
    loss,
    gradient,
    network,
    data,
    init,
    layers,
    conv,
    optim,
    regularization,
    quiz,
)
