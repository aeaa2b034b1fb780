"""Fault injection for the reliability campaign: `proxy.FaultProxy`, an HTTP proxy in front of the
local moto server, fails the calls its seeded `schedule.FaultSchedule` picks."""
