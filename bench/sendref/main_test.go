package main

import (
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/hermetic"
)

// TestMain keeps the tests away from the developer's Meshes account.
func TestMain(m *testing.M) { hermetic.Main(m) }
