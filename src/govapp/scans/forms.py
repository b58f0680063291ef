"""Django forms of the package scan pages."""

from __future__ import annotations

from django import forms


class ScanUploadForm(forms.Form):
    """The package upload page: the app (or the filing application) the package belongs to and
    the file. Ids arrive as text and are checked against the caller's reach by the view; the
    page may be opened with ``?app=`` or ``?application=`` to preselect them."""

    app = forms.CharField(required=False, max_length=20)
    application = forms.CharField(required=False, max_length=20)
    package = forms.FileField(required=False, allow_empty_file=True)  # checked by the service
