"""Settings of the test project (tests/test_panels.py)."""
SECRET_KEY = "pympler-tests-only"
DEBUG = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
INTERNAL_IPS = ["127.0.0.1"]
ROOT_URLCONF = "django_project.urls"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "debug_toolbar",
    "pympler",
    "django_project.shop",
]
MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
              "APP_DIRS": True, "OPTIONS": {"context_processors": []}}]
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DEBUG_TOOLBAR_PANELS = [
    "debug_toolbar.panels.timer.TimerPanel",
    "pympler.panels.MemoryPanel",
]
# RENDER_PANELS False: panels load through render_panel, as in a browser
DEBUG_TOOLBAR_CONFIG = {"IS_RUNNING_TESTS": False, "RENDER_PANELS": False}
