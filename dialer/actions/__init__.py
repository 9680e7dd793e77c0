"""Action-plan calls: ring the account's users, then call the contact for the one who accepts."""
