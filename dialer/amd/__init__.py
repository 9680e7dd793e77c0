"""AMD by a classifier over the callee's audio (issue 20): features, model, decision."""
