"""Reading inputs: tables, vector files, study areas, facilities, population, OSM."""
