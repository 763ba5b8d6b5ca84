"""The usage dashboard: a browser app at ``/`` whose only data source is ``/graphql``."""
