"""Returns pages. Every page looks the body up within the user's scope first, so a body outside it
(or a quarter that does not exist) is a 404 whatever the action. Thin: each handler calls the
operations of `metrics.returns`."""
