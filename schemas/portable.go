package schemas

// The portable spelling of argument schemas (docs/schemas.md): the parts
// both the decoder in package tools and the reflection in package
// reflectschema need.

// UUIDPattern stands for format uuid in argument schemas. It is short on
// purpose (every id argument of every tool carries it): the decoder knows
// it and checks a real UUID, saying what one looks like when it is not.
const UUIDPattern = `^[0-9a-fA-F-]{36}$`

// Free-form argument objects. Each is a map whose keys are the caller's, with
// the few keys a model most often needs declared (and checked) by name.
type (
	// ConnectionMetadata is a connection's configuration and credentials.
	ConnectionMetadata map[string]any
	// RuleMetadata is what a rule's action needs beyond its name.
	RuleMetadata map[string]any
	// MappingDocument is a default mapping's schema document.
	MappingDocument map[string]any
	// BlueprintMapping is a mapping document inside a blueprint, which
	// export_workspace writes: its schema names only the version, to keep
	// the blueprint tools' schemas small; checkBlueprint checks the rest as
	// update_connection_mapping does.
	BlueprintMapping map[string]any
	// BlueprintDocument is apply_blueprint's blueprint: the format
	// plan_blueprint's schema spells out, which apply_blueprint does not
	// restate (a model calls plan first; the same decoder checks both).
	BlueprintDocument map[string]any
)

// MappingTransforms and MappingOnError are the values Meshes knows for a
// mapping field's transforms[].type and on_error; the decoder in package
// tools checks the same lists the schema shows.
var (
	MappingTransforms = []string{"to_string", "to_number", "to_boolean", "to_date", "to_datetime", "default", "trim", "lower", "upper", "substring"}
	MappingOnError    = []string{"skip_field", "warn_action", "fail_action"}
)
