"""Every write of the tracker: typed functions named <entity>_<verb>, each atomic and audited."""
