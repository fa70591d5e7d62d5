"""The plugin system: hook specifications, the lesson-type contract and the loader."""
