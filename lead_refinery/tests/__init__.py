from . import test_refinery_ladder
from . import test_reject
from . import test_grade
from . import test_accountability
from . import test_touches
from . import test_access
from . import test_ui
from . import test_followup_escalation
