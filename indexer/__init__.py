"""Records → index documents with match keys; index lifecycle; entity links; the backends."""
