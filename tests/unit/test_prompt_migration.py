from tests.prompt_migration import check_migration_011


def test_migration_011_turns_stored_media_uris_into_prompt_names(db):
    check_migration_011(db)
