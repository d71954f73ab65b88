"""The year's materials (台账, 简报, reports) read into blocks that carry where they came from."""

from drafter.materials.readers import (
    MATERIAL_SUFFIXES,
    Block,
    Material,
    MaterialError,
    read_material,
    read_materials,
)

__all__ = ["MATERIAL_SUFFIXES", "Block", "Material", "MaterialError", "read_material", "read_materials"]
