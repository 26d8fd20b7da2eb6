"""Who may do what: the one place that answers it.

- `roles.py`: the roles and what each may do beyond its own desk (`CAN`).
- `actor.py`: `Actor`, who is acting (user, role, office, the posts held now); services take it
  as their first argument; a request builds it once, a job builds it from a user id.
- `grants.py`: per kind of item (file, receipt, letter, dispatch, task) the declared list of
  grants; `openable(actor, Model)` is the SQL clause every list, search, register and report
  uses, and `can_open(actor, item)` asks that same clause about one item.
- `routes.py`: who may use each route (`@public`, `@login_required`, `@roles(...)`).
"""

from eoffice.policy.actor import Actor, Charge
from eoffice.policy.grants import GRANTS, can_open, openable
from eoffice.policy.roles import CAN, Role

__all__ = ["CAN", "GRANTS", "Actor", "Charge", "Role", "can_open", "openable"]
