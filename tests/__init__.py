"""Tests of the ACL Anthology assignment bot (a package so helpers can be imported)."""
