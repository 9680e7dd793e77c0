"""Data layer: Peewee models, migrations, the async `Store`, shared queries.

    db = open_database("sqlite:///dialer.db")   # or postgresql://...
    migrate(db)
    store = Store(db)
    ids = await store.run(claim_contacts, campaign_id, "node-1", 10, utcnow())
"""

# What a store function may raise that no domain check caught, for the web edge to map:
# a value the database refuses; a row looked up by id that is not there.
from peewee import DataError as ValueRefused, DoesNotExist as NoSuchRow

from .database import Store, is_postgres, open_database
from .fields import utcnow
from .migrate import migrate
from .queries import claim_contacts

__all__ = ["NoSuchRow", "Store", "ValueRefused", "claim_contacts", "is_postgres", "migrate",
           "open_database", "utcnow"]
