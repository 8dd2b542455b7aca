"""Live tracking: devices, positions, protocol decoders, geofence engine, live map."""
