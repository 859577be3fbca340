from . import intake_api
