"""The one owner of FILES_STORE: atomic writes, local and S3 stores, paths, inventories, lists."""
