"""Reading and editing ACL Anthology data: ids, people.json, XML, the name index."""
