"""Part kinds an exercise spec is assembled from; each judges one student function."""
