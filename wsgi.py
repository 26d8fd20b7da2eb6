"""Entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

from eoffice import create_app

app = create_app()
