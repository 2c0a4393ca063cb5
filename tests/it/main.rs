mod fleet_metrics;
