"""Domain errors reach API callers as their status and detail, through the one handler."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import NotFound as DrfNotFound

from oversight.api_errors import exception_handler
from oversight.errors import ActionRefused, InputRejected, NotFound, NotPermitted


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("No such return."), 404),
        (NotPermitted("Your role may see this body but not sign off its returns."), 403),
        (ActionRefused("The 2021-22 Q3 return closed on 30 April 2022."), 409),
    ],
)
def test_a_domain_error_is_its_status_and_its_words(error, status):
    response = exception_handler(error, {})
    assert response is not None
    assert response.status_code == status
    assert response.data == {"detail": error.message}


def test_rejected_input_says_which_field():
    error = InputRejected("Check the form.", {"reason": ["Say why the return is sent back."]})
    response = exception_handler(error, {})
    assert response is not None
    assert response.status_code == 400
    assert response.data == {
        "detail": "Check the form.",
        "reason": ["Say why the return is sent back."],
    }


def test_other_errors_keep_drfs_answer():
    response = exception_handler(DrfNotFound("Not here."), {})
    assert response is not None
    assert response.status_code == 404
    assert response.data == {"detail": "Not here."}


def test_an_unexpected_error_is_left_to_django():
    assert exception_handler(ValueError("bug"), {}) is None
