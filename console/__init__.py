"""The staff console: a small server-rendered web app in Spanish for the Migrants Office.

`python -m console serve` runs it; `python -m console admin add <email>` creates the first admin.
"""
