"""The decision engine: one door for every authorisation question, deny by default.

`decide` answers with a `Decision` that explains itself: for an allow, the facts that allow it
(``via``); for a deny, every reason, each with a code and a message. `require` raises on a deny:
`StepUpRequired` when the level of assurance is the only thing missing, `PermissionDenied`
otherwise.

The rules live in one module per area (acting, companies, mandates, governance); importing this
package registers them all.
"""

from csam.authz.engine import acting, companies, governance, mandates  # noqa: F401 - registers
from csam.authz.engine.core import Decision, Reason, decide, require, rule

__all__ = ["Decision", "Reason", "decide", "require", "rule"]
