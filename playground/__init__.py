"""The Qt application and the command-line front end of Backprop Playground."""
