"""The validators keep nothing alive between calls: an eval run validates thousands of documents."""

from __future__ import annotations

from openapi_spec_validator.validation.validators import SpecValidator

from backend_architect.render.openapi import openapi_document
from backend_architect.spec import ApiSpecification
from backend_architect.checks.validate import check_openapi


def test_check_openapi_leaves_no_validator_in_the_librarys_cache(shop_plan):
    document = openapi_document(ApiSpecification.model_validate(shop_plan.api))
    assert check_openapi(document) == []
    assert SpecValidator.iter_errors.__wrapped__.cache_info().currsize == 0
