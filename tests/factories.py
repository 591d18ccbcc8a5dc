"""Typed factories for the registry and users."""

from __future__ import annotations

import factory

from accounts.models import User
from oversight.models import Organisation, OrganisationKind, Region, Sector, System


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"Y{70 + n:02d}")
    ons_code = factory.Sequence(lambda n: f"E4{n:07d}")
    name = factory.Sequence(lambda n: f"Region {n}")


class SystemFactory(factory.django.DjangoModelFactory[System]):
    class Meta:
        model = System
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"QZ{n % 10}{chr(65 + n // 10 % 26)}")
    ons_code = factory.Sequence(lambda n: f"E5{n:07d}")
    name = factory.Sequence(lambda n: f"System {n} ICS")
    region = factory.SubFactory(RegionFactory)


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"RZ{n:03d}")
    name = factory.Sequence(lambda n: f"Trust {n} NHS Foundation Trust")
    kind = OrganisationKind.TRUST
    sector = Sector.ACUTE
    system = factory.SubFactory(SystemFactory)
    region = factory.LazyAttribute(lambda o: o.system.region)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@nhs.test")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()
