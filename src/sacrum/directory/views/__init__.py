"""Pages of the directory: public (``public``, ``seo``, ``feed``) and the owner's (``owner``)."""
