"""Icons, style sheets and example projects, installed as `playground.resources`."""
