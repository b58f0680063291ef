"""Writes of the registry, one module per aggregate (see docs/adr/0004-rooms-the-size-of-their-job.md).

Import from the module that holds the service, e.g.
``from govapp.registry.services.review import application_approve``; nothing is re-exported here.
"""
