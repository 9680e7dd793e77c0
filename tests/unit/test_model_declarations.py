"""The attributes the models declare for the type checker (peewee creates them at run
time) name what peewee really creates: the `*_id` accessor of every foreign key and the
backrefs declared on the related model."""

import peewee as pw

from dialer.db.models import MODELS


def _foreign_keys():
    return [(m, f) for m in MODELS for f in m._meta.fields.values()
            if isinstance(f, pw.ForeignKeyField)]


def test_every_foreign_key_declares_its_id_accessor():
    missing = [f"{m.__name__}.{f.object_id_name}" for m, f in _foreign_keys()
               if f.object_id_name not in m.__annotations__]
    assert not missing


def test_declared_attributes_exist_at_run_time():
    backrefs = {(f.rel_model, f.backref) for _, f in _foreign_keys()}
    accessors = {(m, f.object_id_name) for m, f in _foreign_keys()}
    wrong = [f"{m.__name__}.{name}" for m in MODELS for name in m.__annotations__
             if (m, name) not in accessors and (m, name) not in backrefs]
    assert not wrong
