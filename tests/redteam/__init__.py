"""Issue 10's red team: hostile submissions graded by the real ``dlgrade grade`` in bubblewrap."""
