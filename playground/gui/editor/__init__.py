"""The drag-to-build layer editor: cards, canvas, palette drops, properties, edits."""
