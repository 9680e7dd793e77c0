"""The supervisor's floor: the runtime's own events pushed to live wallboards."""
