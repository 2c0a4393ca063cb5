mod egress;
mod hostile_input;
mod bounded;
