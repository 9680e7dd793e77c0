from dialer.db import open_database
from tests.prompt_migration import check_migration_011


def test_migration_011_turns_stored_media_uris_into_prompt_names(tmp_path):
    db = open_database(f"sqlite:///{tmp_path}/old.db")
    check_migration_011(db)
